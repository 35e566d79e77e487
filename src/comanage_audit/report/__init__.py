"""Writers: each reads only the AuditResult and writes one format atomically."""
