"""How the main window wires its panels together: the debugger dock and the canvas, the training
dock and the project, and the ONNX / PyTorch exports. Each panel knows nothing of the others."""
