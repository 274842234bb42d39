from hsmc.entry import main

main()
