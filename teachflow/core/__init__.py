"""The engine: graphs, tensors, variables, sessions and symbolic gradients."""
