from hsmc.cli import main

main()
