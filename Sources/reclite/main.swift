print("reclite")
