"""The conversation material: card sets for the council and the administration, and the do's and don'ts,
to read on screen and to print."""
