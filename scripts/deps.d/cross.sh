# ARM cross builds (mk/cross.mk): Debian's cross compilers (with their
# binutils: readelf, nm, strip, size) link the Embedded Swift objects into
# aarch64 and armv7 hard-float Linux programs; qemu-user runs them.
apt_install gcc-aarch64-linux-gnu g++-aarch64-linux-gnu gcc-arm-linux-gnueabihf g++-arm-linux-gnueabihf qemu-user
