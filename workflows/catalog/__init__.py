"""The data resource catalog (二): entries, rules, search, Excel, changes, the supply-demand list."""
