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
    under, ``NULL`` when it has none. Its latest folder (ties by path), or the outermost of its
    folders holding that one: two passes over the project's folders, as the latest alone was
    one (comparing every folder with every other took a second for 1000 folders)."""
    # The latest folder is found first, in a subquery of its own: asked beside it, the
    # folder holding it was looked for on every folder before the sort kept one.
    return (
        "(SELECT coalesce((SELECT enclosing.project_path FROM project_paths AS enclosing"
        f" WHERE enclosing.project_id = {project_id}"
        f" AND {inside_sql('latest_path', 'enclosing.project_path')}"
        " ORDER BY length(enclosing.project_path) LIMIT 1), latest_path)"
        " FROM (SELECT latest.project_path AS latest_path FROM project_paths AS latest"
        f" WHERE latest.project_id = {project_id}"
        " ORDER BY latest.last_beat DESC, latest.project_path LIMIT 1))"
    )
