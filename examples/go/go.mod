module github.com/reclite/reclite/examples/go

go 1.19

require github.com/reclite/reclite/bindings/go v0.0.0

// The binding of this checkout, not a downloaded one.
replace github.com/reclite/reclite/bindings/go => ../../bindings/go
