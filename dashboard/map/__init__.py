"""The map page: layout, callbacks, cell panel, drill-down, notes, playback, briefing."""
