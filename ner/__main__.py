from ner.cli import main

raise SystemExit(main())
