"""The model stage: rule evidence (patterns), language detection and, later, the learned classifier heads."""
