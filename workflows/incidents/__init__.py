"""Security incidents (安全事件) of a using unit: recorded, told to whom it concerns, handled, counted for 考核."""
