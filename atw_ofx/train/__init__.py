"""Training the ATW generator (paper Algorithm 1): losses, and — to come — data, loop, evaluation."""
