"""Admin roles: a CSV the admin writes, or Get-AzRoleAssignment / Get-CMAdministrativeUser
exported with Export-Csv (one row per account and role)."""

from __future__ import annotations

from comanage_audit.ingest import parse
from comanage_audit.ingest.exports.spec import Column, ExportSpec
from comanage_audit.model import SourceKind

SPEC = ExportSpec(
    kind=SourceKind.ROLES,
    label="Admin roles",
    title="Roles",
    origin="a simple CSV you write, or Get-AzRoleAssignment / Get-CMAdministrativeUser "
    "exported with Export-Csv",
    columns=(
        Column(
            "upn",
            (
                "User principal name",
                "UserPrincipalName",
                "SignInName",
                "principalName",
                "LogonName",
                "Account",
                "Administrator",
            ),
            parse.upn,
            "a user principal name (name@domain)",
        ),
        Column(
            "role", ("Role", "Role name", "RoleName", "RoleDefinitionName", "RoleNames", "Roles")
        ),
        Column(
            "scope", ("Scope", "Security scopes", "CategoryNames", "directoryScopeId", "Scopes")
        ),
        Column("system", ("System", "Role system", "Directory")),
    ),
    signature={
        # 4, not 3: a minimal roles file (UPN + Role) must beat a users export's UPN (3).
        "Role": 4,
        "RoleName": 4,
        "Role name": 4,
        "RoleDefinitionName": 4,
        "RoleNames": 4,
        "SignInName": 1,
        "LogonName": 1,
        "Scope": 1,
        "Security scopes": 1,
    },
    required=("upn", "role"),
)
