"""Starting and stopping what a run needs (servers, plugin processes, temp dirs, deadlines) and putting a plugin into a server."""
