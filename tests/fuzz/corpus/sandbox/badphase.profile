[Phases]
Order=a;b;c
Switch.b=explicit
Switch.c=first:
[Phase z]
