"""Supervision (六(三)): reminders and escalations, timeliness figures, the workbench."""
