"""``tf.layers``: dense, conv2d, pooling, dropout, batch normalization (built from core ops)."""
