"""Every kind of export the tool reads, one module per kind, each declaring an `ExportSpec`."""
