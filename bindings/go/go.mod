module github.com/reclite/reclite/bindings/go

go 1.19
