"""异议 and 纠错 (四(五), 三(四)): any unit raises, the county data bureau handles, decisions act through services."""
