# Smart home (mk/home.mk): the event-log generator and the checks are Python 3 (standard library only);
# the hub runs under valgrind (installed by install-deps.sh) and, for armv7, under qemu-arm (deps.d/cross.sh).
apt_install python3
