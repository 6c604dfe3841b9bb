"""SDK transports and the Client facade."""
