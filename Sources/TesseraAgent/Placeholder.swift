// Placeholder until the agent sources land (helper-2 may delete this file).
