package reclite

// #cgo pkg-config: reclite
// #include <reclite.h>
import "C"

// Version returns the version of the loaded libreclite, e.g. "0.2.0".
func Version() string {
	return C.GoString(C.reclite_version())
}

// ABIVersion returns the ABI version of the loaded libreclite.
func ABIVersion() int {
	return int(C.reclite_abi_version())
}

// headerABIVersion is the ABI of the reclite.h this package was compiled against.
const headerABIVersion = C.RECLITE_ABI_VERSION

// checkABI reports a library whose ABI differs from the header's, which can
// happen when the shared library found at run time is not the one built against.
func checkABI(op string) error {
	if loaded := ABIVersion(); loaded != headerABIVersion {
		return newError(op, ErrUnsupported,
			"the loaded libreclite has ABI %d, this package was built for ABI %d", loaded, headerABIVersion)
	}
	return nil
}
