"""Maps the repository's top-level folders onto the ``pidesk`` import package.

Metadata lives in pyproject.toml; this file only lists the packages, which a static
``packages.find`` cannot do across a ``package-dir`` mapping.
"""

from setuptools import find_packages, setup

MAPPED = {"pidesk.shared": "shared", "pidesk.services": "services", "pidesk.migrations": "migrations"}

packages = ["pidesk"]  # pidesk/ itself has no subpackages
for name, folder in MAPPED.items():
    packages += [name, *(f"{name}.{sub}" for sub in find_packages(folder))]

PACKAGE_DATA = {
    "pidesk.services.intake": ["templates/*.html"],
    "pidesk.services.escalation.policy": ["*.yaml"],
    "pidesk.services.intake.policy": ["*.yaml"],
    "pidesk.services.escalation.dashboard": ["templates/*.html", "static/*.css", "static/*.js"],
    "pidesk.services.notifier": ["templates/notices/*.j2", "templates/pages/*.html", "templates/pages/*.xml"],
    "pidesk.migrations": ["script.py.mako", "versions/*/*.py"],
}

setup(packages=packages, package_data=PACKAGE_DATA, include_package_data=True)
