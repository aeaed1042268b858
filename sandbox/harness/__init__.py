"""The code that runs inside the sandbox (stdlib only): executor, zygote, worker, oracle."""
