"""Fact sources that fill the shared inventory record: agent, SNMP, SSH."""
