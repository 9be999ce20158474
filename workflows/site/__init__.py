"""Pages the county data bureau keeps for everyone: the policy (六(二) 政策宣贯) and the help page's contact."""
