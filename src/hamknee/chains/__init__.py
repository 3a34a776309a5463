"""Following the relations of the knowledge base: how two entries are connected, and how a cause works.

- ``graph``: the relation graph as compiled, the hubs in it, and ``path`` (the shortest chains of any
  relations, each step carrying its role so a contrast or an association reads as what it is);
- ``mechanism``: ``why``, chains from the hamstrings to a condition under a grammar of allowed steps;
- ``regions``: which region a term or a complaint names, and what is felt there (``where``).

The modules know nothing of the terminal: they return plain records that the CLI renders.
"""
