"""The check catalogue: importing this package registers every check, in catalogue order."""

from comanage_audit.checks import (  # noqa: F401 - imported for registration
    configmgr,
    identity,
    intune,
    licensing,
    tenant,
    windows,
    windows11,
)
from comanage_audit.checks.registry import (
    REGISTRY,
    Context,
    all_checks,
    device_checks,
    get,
    tenant_checks,
)

__all__ = ["REGISTRY", "Context", "all_checks", "device_checks", "get", "tenant_checks"]
