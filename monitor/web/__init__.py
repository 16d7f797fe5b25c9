"""The web app for school staff: the week's agenda, the safety lane and the trends, each for the right role."""
