# Go binding (mk/go.mk): the Go toolchain with cgo and pkg-config, which resolves `#cgo pkg-config: reclite`.
apt_install golang-go pkg-config
