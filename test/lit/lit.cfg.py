# lit configuration of qnn's tool and pass tests.
import os
import lit.formats

config.name = "qnn"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".test", ".qnn", ".onnxtext"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qnn_binary_dir, "test", "lit")
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py.in"]

config.environment["PATH"] = os.pathsep.join(
    [config.qnn_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.environment["QNN_TARGETS_DIR"] = os.path.join(config.qnn_source_dir, "targets")
# Debian's interpreter, which has Debian's python3-numpy (any python3 runs the
# scripts that need nothing but the standard library).
config.substitutions.append(("%debian_python", "/usr/bin/python3"))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%targets", os.path.join(config.qnn_source_dir, "targets")))
config.substitutions.append(("%models", os.path.join(config.qnn_source_dir, "test", "models")))
config.substitutions.append(("%onnx_node_tests", "/usr/share/libonnx-testdata/data/node"))
config.substitutions.append(("%shared", os.path.join(os.path.dirname(config.qnn_source_dir), "shared")))
