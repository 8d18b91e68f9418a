"""Database base classes, engines and the unit of work shared by the services."""
