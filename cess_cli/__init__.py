"""cess — suivi du contrat économique sectoriel ESS Rhône-Alpes 2014-2016."""

__version__ = "0.1.0"
