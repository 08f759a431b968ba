"""The topic taxonomy: rules, their compiled matcher, classify and explain."""
