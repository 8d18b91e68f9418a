from pidesk.cli import main

raise SystemExit(main())
