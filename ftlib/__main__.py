from ftlib.cli import main

raise SystemExit(main())
