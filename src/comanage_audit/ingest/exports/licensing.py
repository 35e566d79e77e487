"""Microsoft's licensing catalogue ("Product names and service plan identifiers for
licensing"): optional, it teaches the tool products newer than its own table."""

from __future__ import annotations

from comanage_audit.ingest.exports.spec import Column, ExportSpec
from comanage_audit.model import SourceKind

SPEC = ExportSpec(
    kind=SourceKind.LICENSING,
    label="Microsoft licensing catalogue",
    title="Licensing",
    origin='Microsoft\'s "Product names and service plan identifiers for licensing" CSV '
    "(optional; teaches the tool newer products)",
    columns=(
        Column("product_name", ("Product_Display_Name",)),
        Column("string_id", ("String_Id", "String_ Id")),
        Column("guid", ("GUID",)),
        Column("plan_name", ("Service_Plan_Name",)),
        Column("plan_id", ("Service_Plan_Id",)),
        Column("plan_friendly", ("Service_Plans_Included_Friendly_Names",)),
    ),
    signature={
        "Product_Display_Name": 3,
        "String_Id": 3,
        "String_ Id": 3,
        "Service_Plan_Name": 3,
        "Service_Plan_Id": 2,
        "Service_Plans_Included_Friendly_Names": 2,
    },
    required=("product_name", "string_id"),
)
