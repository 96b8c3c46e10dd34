# Python binding (mk/python.mk): numpy and pytest for its suite; setuptools ≥ 64 (PEP 621
# metadata) and wheel to build the package without build isolation, so building needs no
# network. The venv is made --without-pip, so Debian's python3-venv is not needed.
pip_install numpy numpy
pip_install pytest pytest
pip_install wheel wheel
python3 -c 'import setuptools, sys; sys.exit(int(setuptools.__version__.split(".")[0]) < 64)' 2>/dev/null ||
  python3 -m pip install -q "setuptools>=64"
