# Installed into .venv/etc/ipython by `make install`: every kernel of the course environment (JupyterLab,
# nbgrader validate/autograde, tests) leaves the C++ runtime's direct stderr writes (TensorFlow's absl
# and CUDA probing lines) on the terminal instead of copying them into notebook cell outputs.
c = get_config()  # noqa: F821
c.IPKernelApp.capture_fd_output = False
