"""titip-agent: reports a custody server's inventory and condition to the Titip controller."""

__version__ = "0.1.0"
