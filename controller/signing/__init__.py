"""Personal electronic signatures through an outside signing service (BSrE's), behind a setting."""
