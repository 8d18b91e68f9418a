"""Maps the repository's top-level folders onto the ``pidesk`` import package.

Metadata lives in pyproject.toml; this file only lists the packages, which a static
``packages.find`` cannot do across a ``package-dir`` mapping.
"""

from setuptools import find_packages, setup

MAPPED = {"pidesk.shared": "shared", "pidesk.services": "services", "pidesk.migrations": "migrations"}

packages = ["pidesk", *find_packages("pidesk", exclude=["*"])]
for name, folder in MAPPED.items():
    packages += [name, *(f"{name}.{sub}" for sub in find_packages(folder))]

setup(packages=packages, include_package_data=True)
