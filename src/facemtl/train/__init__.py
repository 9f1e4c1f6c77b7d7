"""Training (needs the ``[train]`` extra): configs, masked multi-task losses, the loop, export."""
