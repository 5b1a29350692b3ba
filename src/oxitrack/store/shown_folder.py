"""The folder a project is shown under (its ``project_path`` in reports, its name's source).

One SQL expression for every reader, the same rule as ``oxitrack.projects.shown_folder``: the
project's latest folder, or the outermost of its folders holding that one. A monorepo opened
whole and also one package per window is one project (its repository's); named by the latest
folder alone, it was called ``web`` or ``api`` by whichever window beat last, and a folder
tracked before ``git init`` as its ``src`` window.
"""

from __future__ import annotations


def inside_sql(inner: str, outer: str) -> str:
    """SQL: the folder ``inner`` lies below the folder ``outer`` (``/`` or ``\\`` separated)."""
    return f"substr({inner}, 1, length({outer}) + 1) IN ({outer} || '/', {outer} || '\\')"


def shown_folder_sql(project_id: str) -> str:
    """A scalar subquery: the folder project ``project_id`` (an SQL expression) is shown
    under, ``NULL`` when it has none. Among its outermost folders (none of its folders holds
    them), the one holding the latest beat, ties by path."""
    return (
        "(SELECT outermost.project_path FROM project_paths AS outermost"
        f" WHERE outermost.project_id = {project_id}"
        " AND NOT EXISTS (SELECT 1 FROM project_paths AS enclosing"
        " WHERE enclosing.project_id = outermost.project_id"
        f" AND {inside_sql('outermost.project_path', 'enclosing.project_path')})"
        " ORDER BY (SELECT max(held.last_beat) FROM project_paths AS held"
        " WHERE held.project_id = outermost.project_id"
        " AND (held.project_path = outermost.project_path"
        f" OR {inside_sql('held.project_path', 'outermost.project_path')})) DESC,"
        " outermost.project_path LIMIT 1)"
    )
