# The speed benchmark's peer (bench/peers, mk/bench.mk): ONNX graphs built with onnx.helper and run
# in ONNX Runtime beside RecLite; valgrind (installed by install-deps.sh) counts instructions.
pip_install onnx onnx
pip_install onnxruntime onnxruntime
