"""The edge node: the request pipeline from viewer to cache to origin and back."""
