"""yingshang (营商): a city government's business-environment platform."""

__version__ = "0.1.0"
