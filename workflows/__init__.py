"""The domain of the county's government data sharing system; never imports Flask."""
