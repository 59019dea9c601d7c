"""Reference implementations for the LSTM course."""
