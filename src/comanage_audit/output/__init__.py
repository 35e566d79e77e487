"""The output folder: the files an audit writes (`names`), how they are staged and put in
place as one set (`staging`), and the manifest that proves a set whole (`manifest`).

The pipeline may import from here (to recognise earlier outputs); it never imports from
`report`, which holds the writers.
"""
